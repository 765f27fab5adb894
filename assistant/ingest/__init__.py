"""Files taken in for indexing: an upload read, chunked and its figures extracted in a child
process under memory and time limits (isolated), and many files read at once, a process per
core (many). Above documents, chunking and figures, which know nothing of processes."""
