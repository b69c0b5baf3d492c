// Public entry of `asyncwith/http`: filled in by the http layer.
export {}
