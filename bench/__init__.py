"""Load benchmarks for OpenCases (`make bench`): wrk against `opencases serve` and a bare app."""
