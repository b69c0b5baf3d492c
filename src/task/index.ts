// Public entry of `asyncwith/task`: filled in by the task layer.
export {}
