"""The HTTP/HTTPS JSON API: the WebService's operations as signed JSON requests."""
