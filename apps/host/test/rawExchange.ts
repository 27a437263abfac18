import { connect as connectTcp } from 'node:net'

/**
 * Sends raw bytes over TCP to a host on 127.0.0.1 and returns all it answers until it closes (at
 * most 5 s): for requests no HTTP client would send.
 */
export function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1')
    let answer = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      answer += chunk
    })
    socket.on('error', () => {}) // a reset ends the exchange like a close
    socket.on('close', () => resolve(answer))
    socket.setTimeout(5000, () => socket.destroy())
    socket.write(request)
  })
}
