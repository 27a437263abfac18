// What a browser client loads: the whole public API of the three client packages, from their
// built `dist` (run the builds first). One entry, so size-limit measures one bundle of the path.

export * from '@fabstir/auth'
export * from '@fabstir/inference'
export * from '@fabstir/protocol'
