using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(ProcessFarm.Benchmarks.LutBenchmarks).Assembly).Run(args);
