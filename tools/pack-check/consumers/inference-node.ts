// Type-checked by pack-check against the installed tarball, as .mts, .cts and .ts, in a Node project.
import { InferenceManager } from '@fabstir/inference'
import { webSocket } from '@fabstir/inference/node'

export const manager = new InferenceManager({ webSocket })
