module gocontext.dev/benchmarks

go 1.19
