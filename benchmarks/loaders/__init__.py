"""One loader per task format; each resolves its format completely at load time."""
