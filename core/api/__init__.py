"""The API's shared pieces: the one exception handler and the documented error responses."""
