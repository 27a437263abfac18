/**
 * A listener object for one event type, as `EventTarget` takes it (`{ handleEvent(event) }`).
 * Declared here, like the option types below, so the package's types need no DOM lib.
 */
export interface TypedEventListenerObject<event> {
  handleEvent(event: event): void
}

/** A listener for one event type: a function or a {@link TypedEventListenerObject}. */
export type TypedEventListener<event> = ((event: event) => void) | TypedEventListenerObject<event>

/** Options of `removeEventListener`: the DOM's `EventListenerOptions`. */
export interface EventListenerOptionsLike {
  /** Whether the listener was added for the capture phase. */
  capture?: boolean
}

/** Options of `addEventListener`: the DOM's `AddEventListenerOptions`. */
export interface AddEventListenerOptionsLike extends EventListenerOptionsLike {
  /** Remove the listener after its first call. */
  once?: boolean
  /** The listener will not call `preventDefault()`. */
  passive?: boolean
  /** Remove the listener when this signal aborts. */
  signal?: AbortSignal
}

/** The listener type `EventTarget` itself takes, whichever lib (DOM or `@types/node`) declares it. */
type PlatformListener = Parameters<EventTarget['addEventListener']>[1]

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
   * @param listener - receives the typed event (a function or an object with `handleEvent`).
   * @param options - as `EventTarget.addEventListener`: `capture`, or `{ capture, once, passive, signal }`.
   */
  override addEventListener<type extends keyof EventMap & string>(
    type: type,
    listener: TypedEventListener<EventMap[type]> | null,
    options?: boolean | AddEventListenerOptionsLike,
  ): void {
    super.addEventListener(type, listener as PlatformListener, options)
  }

  /**
   * Removes a listener added with {@link TypedEventTarget.addEventListener}.
   *
   * @param type - the event name.
   * @param listener - the listener to remove.
   * @param options - as `EventTarget.removeEventListener`: `capture`, or `{ capture }`.
   */
  override removeEventListener<type extends keyof EventMap & string>(
    type: type,
    listener: TypedEventListener<EventMap[type]> | null,
    options?: boolean | EventListenerOptionsLike,
  ): void {
    super.removeEventListener(type, listener as PlatformListener, options)
  }

  /** @internal Dispatches a `CustomEvent` of a known type with its detail. */
  protected emit<type extends keyof EventMap & string>(
    type: type,
    detail: EventMap[type] extends CustomEvent<infer detail> ? detail : never,
  ): void {
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }
}
