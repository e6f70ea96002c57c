"""MaxCode's records: the dataclasses every layer writes and reads (the lowest floor)."""
