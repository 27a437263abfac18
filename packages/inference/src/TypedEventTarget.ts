/**
 * An `EventTarget` whose `addEventListener` / `removeEventListener` know the event types and
 * their `CustomEvent` details. Works in Node and browsers.
 *
 * @example
 * ```ts
 * import { InferenceManager } from '@fabstir/inference'
 *
 * const manager = new InferenceManager({ webSocket })
 * manager.addEventListener('reconnecting', (event) => console.log(event.detail.attempt))
 * ```
 */
export class TypedEventTarget<EventMap extends Record<string, Event>> extends EventTarget {
  /**
   * Adds a listener for one event type.
   *
   * @param type - the event name.
   * @param listener - receives the typed event.
   * @param options - as `EventTarget.addEventListener`.
   */
  override addEventListener<type extends keyof EventMap & string>(
    type: type,
    listener: ((event: EventMap[type]) => void) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener as EventListener | null, options)
  }

  /**
   * Removes a listener added with {@link TypedEventTarget.addEventListener}.
   *
   * @param type - the event name.
   * @param listener - the listener to remove.
   * @param options - as `EventTarget.removeEventListener`.
   */
  override removeEventListener<type extends keyof EventMap & string>(
    type: type,
    listener: ((event: EventMap[type]) => void) | EventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener as EventListener | null, options)
  }

  /** @internal Dispatches a `CustomEvent` of a known type with its detail. */
  protected emit<type extends keyof EventMap & string>(
    type: type,
    detail: EventMap[type] extends CustomEvent<infer detail> ? detail : never,
  ): void {
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }
}
