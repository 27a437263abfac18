// Node-only parts of the packages (sockets, files), kept off the browser path.
export * from '@fabstir/auth/node'
export * from '@fabstir/inference/node'
