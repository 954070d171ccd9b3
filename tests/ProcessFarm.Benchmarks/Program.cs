using System.Globalization;
using BenchmarkDotNet.Running;
using ProcessFarm.Benchmarks;

// `latency [N]` runs the tiny-tile percentile measurement; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "latency")
{
    await TileLatency.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(LutBenchmarks).Assembly).Run(args);
