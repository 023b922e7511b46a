"""Reference handlers the benchmarks compare Retake's functions with."""
