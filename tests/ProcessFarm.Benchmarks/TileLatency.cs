using System.Diagnostics;
using System.Globalization;
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
        await using var pool = await WorkerPool.StartAsync(1, new WorkerPoolOptions { WorkerPath = BenchmarkPaths.Worker }, CoordinatorLog.Silent, CancellationToken.None);
        var worker = pool.Workers[0];
        var handler = new Handler();
        worker.SetHandler(handler);
        using var region = SharedRegion.Create(SharedRegion.DefaultDirectory, 4096);
        await RoundTripAsync(worker, handler, w => w.WriteAttach(new AttachRequest(0, region.AttachPath, region.TotalBytes)));

        byte[] tile = new byte[TileBytes];
        var parameters = new JobParameters { Ev = 0.5, Gamma = 1.2, Width = 16, Rows = 1, Channels = 4 };
        Console.WriteLine($"tiny-tile round trips: {TileBytes}-byte tile, 1 worker, 1 job outstanding, {roundTrips} round trips after {roundTrips / 10} warm-up");
        Console.WriteLine("| mode | p50 us | p90 us | p99 us | max us |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (string mode in new[] { "pipe", "shm" })
        {
            ulong id = 1;
            Action<FrameWriter> write = mode == "pipe"
                ? w => w.WriteJob(id, JobKind.Lut, parameters, tile)
                : w => w.WriteJob(id, JobKind.Lut, parameters with { Offset = 0, Length = TileBytes });
            for (int i = 0; i < roundTrips / 10; i++, id++)
            {
                await RoundTripAsync(worker, handler, write);
            }
            double[] samples = new double[roundTrips];
            for (int i = 0; i < roundTrips; i++, id++)
            {
                long started = Stopwatch.GetTimestamp();
                await RoundTripAsync(worker, handler, write);
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
            Array.Sort(samples);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {mode} | {Percentile(samples, 0.50):0.0} | {Percentile(samples, 0.90):0.0} | {Percentile(samples, 0.99):0.0} | {samples[^1]:0.0} |"));
        }
    }

    private static async Task RoundTripAsync(WorkerConnection worker, Handler handler, Action<FrameWriter> write)
    {
        var done = handler.Done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await worker.SendAsync(write, static (frames, w) => w(frames), CancellationToken.None);
        await done.Task;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    private sealed class Handler : IReplyHandler
    {
        public TaskCompletionSource Done { get; set; } = new();

        public void OnResult(WorkerConnection worker, in JobResult result) => Done.TrySetResult();

        public void OnError(WorkerConnection worker, ErrorMessage error) => Done.TrySetException(new InvalidOperationException(error.Message));

        public void OnDisconnected(WorkerConnection worker, Exception? error) => Done.TrySetException(error ?? new EndOfStreamException());
    }
}
