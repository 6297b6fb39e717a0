//! Forward-only streaming zip reader (Go `archive/zip` streaming layout), fed chunk by chunk.
