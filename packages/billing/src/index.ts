// The public surface of this package. It exports nothing yet: see its README for what is planned.
export {}
