"""The untrusted side: the launcher, the child server and the wire protocol."""
