using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Benchmarks;

/// <summary>
/// Round trip of one tiny tile (64 bytes, one job outstanding) through a warm worker, pipe vs shm, as
/// percentiles: what completion signalling costs when the work itself is nothing.
/// Run: dotnet run -c Release --project tests/ProcessFarm.Benchmarks -- latency [ROUND_TRIPS]
/// </summary>
internal static class TileLatency
{
    private const int TileBytes = 64;

    public static async Task RunAsync(int roundTrips)
    {
        await using var supervisor = await WorkerSupervisor.StartAsync(1, new SupervisorOptions { WorkerPath = BenchmarkPaths.Worker }, NullLogger.Instance, CancellationToken.None);
        var worker = supervisor.Workers[0];
        using var region = SharedRegion.Create(SharedRegion.DefaultDirectory, 4096);
        await AttachJob.AttachAsync(supervisor, worker, region, SharedRegion.DefaultDirectory, CancellationToken.None);

        byte[] tile = new byte[TileBytes];
        var parameters = new LutTileParameters(0.5, 1.2, new TileShape(16, 1, 4));
        Console.WriteLine($"tiny-tile round trips: {TileBytes}-byte tile, 1 worker, 1 job outstanding, {roundTrips} round trips after {roundTrips / 10} warm-up");
        Console.WriteLine("| mode | p50 us | p90 us | p99 us | max us |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (string mode in new[] { "pipe", "shm" })
        {
            var job = new FrameJob((frames, id) =>
            {
                if (mode == "pipe")
                {
                    frames.WriteJob(id, parameters, tile);
                }
                else
                {
                    frames.WriteJob(id, new LutRegionParameters(parameters.Ev, parameters.Gamma, parameters.Shape, 0, 0));
                }
                return ReadOnlyMemory<byte>.Empty;
            });
            for (int i = 0; i < roundTrips / 10; i++)
            {
                await RoundTripAsync(supervisor, worker, job);
            }
            double[] samples = new double[roundTrips];
            for (int i = 0; i < roundTrips; i++)
            {
                long started = Stopwatch.GetTimestamp();
                await RoundTripAsync(supervisor, worker, job);
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
            Array.Sort(samples);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {mode} | {Percentile(samples, 0.50):0.0} | {Percentile(samples, 0.90):0.0} | {Percentile(samples, 0.99):0.0} | {samples[^1]:0.0} |"));
        }
    }

    private static async Task RoundTripAsync(WorkerSupervisor supervisor, WorkerConnection worker, FrameJob job)
    {
        var answered = job.Reset();
        await supervisor.SendToAsync(worker, job);
        await answered;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
