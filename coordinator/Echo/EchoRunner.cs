using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ProcessFarm.Coordinator.Reports;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Echo;

/// <summary>
/// The echo experiment: a payload goes to the workers and comes back untouched, so only the transport is
/// measured. threads hands a reference to another thread and back; pipe serializes each worker's share into
/// frames (complex numbers item by item, as MessagePack arrays of two float64), the worker decodes and re-encodes
/// them, and the replies are decoded again; shm writes the payload into the shared region once and sends
/// descriptors. Every job goes through the command's <see cref="WorkerSupervisor"/>, like any other. A runner whose
/// supervisor starts its workers on cluster nodes measures the cluster row: pipe's frames, over TCP
/// (<see cref="ClusterEcho"/> measures the rpc and tcp rows beside it).
/// </summary>
internal sealed partial class EchoRunner : IAsyncDisposable
{
    private readonly WorkerSupervisor _supervisor;
    private readonly string _shmDirectory;
    private readonly string _framesMode;
    private long _serializeTicks;
    private long _deserializeTicks;
    private long _workerNs;

    private EchoRunner(WorkerSupervisor supervisor, string shmDirectory, string framesMode)
    {
        _supervisor = supervisor;
        _shmDirectory = shmDirectory;
        _framesMode = framesMode;
    }

    public int Workers => _supervisor.TargetWorkers;

    /// <summary>
    /// Starts <paramref name="workers"/> workers. <paramref name="framesMode"/> names the rows that send frames:
    /// "pipe" for local workers, "cluster" when <paramref name="options"/> launch them on cluster nodes.
    /// </summary>
    /// <exception cref="WorkerFailedException">The workers cannot be started.</exception>
    public static async Task<EchoRunner> StartAsync(int workers, SupervisorOptions options, string shmDirectory, string framesMode, ILogger log, CancellationToken cancellationToken)
    {
        var supervisor = await WorkerSupervisor.StartAsync(workers, options, log, cancellationToken).ConfigureAwait(false);
        return new EchoRunner(supervisor, shmDirectory, framesMode);
    }

    public static async Task<EchoMeasurement> MeasureThreadsAsync(EchoPayload payload, int repeat)
    {
        double[] samples = new double[repeat];
        for (int r = -WarmUpRounds; r < repeat; r++)
        {
            long started = Stopwatch.GetTimestamp();
            var back = await Task.Run(() => payload); // a reference there and back: nothing is copied
            if (r >= 0)
            {
                samples[r] = Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
            if (!ReferenceEquals(back, payload))
            {
                throw new InvalidOperationException("threads echo returned another object");
            }
        }
        return new EchoMeasurement("threads", payload.Kind, payload.DataBytes, payload.ItemCount, samples);
    }

    /// <summary>The payload in frames of about 1 MiB to every worker and back (the pipe row, or the cluster row over TCP).</summary>
    public async Task<EchoMeasurement> MeasureFramesAsync(EchoPayload payload, int repeat, CancellationToken cancellationToken)
    {
        var back = new EchoReturn(payload);
        double[] samples = new double[repeat], serialize = new double[repeat], deserialize = new double[repeat], worker = new double[repeat];
        // Each worker's share goes in frames of about 1 MiB, so that serializing, the socket, the worker's
        // re-encoding and deserializing overlap instead of running one after another on 100 MB frames.
        int unit = payload.Bytes is not null ? ChunkBytes : ChunkItems;
        var workers = _supervisor.Workers;
        var pieces = workers.Select((_, i) => Pieces(Share(payload.Bytes?.Length ?? payload.Items!.Length, i, workers.Count), unit).ToList()).ToList();
        for (int r = -WarmUpRounds; r < repeat; r++)
        {
            _serializeTicks = _deserializeTicks = _workerNs = 0;
            var set = new JobSet();
            var jobs = pieces.Select(share => share.Select(p => new PieceJob(this, set, payload, back, p.Start, p.Count)).ToList()).ToList();
            jobs.ForEach(share => share.ForEach(set.Add));
            _supervisor.Begin(set);
            long started = Stopwatch.GetTimestamp();
            // Each worker's pieces are serialized on their own thread: serialization is CPU work that parallelizes.
            await Task.WhenAll(workers.Select((w, i) => Task.Run(async () =>
            {
                foreach (var job in jobs[i])
                {
                    await _supervisor.SendToAsync(w, job).ConfigureAwait(false);
                }
            }, cancellationToken))).ConfigureAwait(false);
            await set.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (r < 0)
            {
                continue;
            }
            samples[r] = Stopwatch.GetElapsedTime(started).TotalSeconds;
            serialize[r] = Stopwatch.GetElapsedTime(0, _serializeTicks).TotalSeconds;
            deserialize[r] = Stopwatch.GetElapsedTime(0, _deserializeTicks).TotalSeconds;
            worker[r] = _workerNs / 1e9;
        }
        back.Verify();
        return new EchoMeasurement(_framesMode, payload.Kind, payload.DataBytes, payload.ItemCount, samples)
        {
            SerializeSeconds = Median(serialize),
            DeserializeSeconds = Median(deserialize),
            WorkerSeconds = Median(worker),
        };
    }

    public async Task<EchoMeasurement> MeasureShmAsync(EchoPayload payload, int repeat, CancellationToken cancellationToken)
    {
        using var region = SharedRegion.Create(_shmDirectory, payload.DataBytes);
        long writeStarted = Stopwatch.GetTimestamp();
        int dataLength = WriteInto(region, payload); // written once; only descriptors travel afterwards
        double writeSeconds = Stopwatch.GetElapsedTime(writeStarted).TotalSeconds;
        _supervisor.SetPreparation((worker, token) => AttachJob.AttachAsync(_supervisor, worker, region, _shmDirectory, token));
        try
        {
            await _supervisor.PrepareAllAsync(cancellationToken).ConfigureAwait(false);
            double[] samples = new double[repeat];
            for (int r = -WarmUpRounds; r < repeat; r++)
            {
                var workers = _supervisor.Workers;
                var set = new JobSet();
                for (int i = 0; i < workers.Count; i++)
                {
                    var (offset, length) = Share(dataLength, i, workers.Count);
                    set.Add(new RegionJob(set, offset, length));
                }
                _supervisor.Begin(set);
                long started = Stopwatch.GetTimestamp();
                for (int i = 0; i < workers.Count; i++)
                {
                    await _supervisor.SendToAsync(workers[i], set.Jobs[i]).ConfigureAwait(false);
                }
                await set.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (r >= 0)
                {
                    samples[r] = Stopwatch.GetElapsedTime(started).TotalSeconds;
                }
            }
            return new EchoMeasurement("shm", payload.Kind, payload.DataBytes, payload.ItemCount, samples) { RegionWriteSeconds = writeSeconds };
        }
        finally
        {
            _supervisor.SetPreparation(null);
        }
    }

    /// <summary>Round trips of one small echo through the first worker (pipe, cluster: a bin; shm: a descriptor) or another thread.</summary>
    public async Task<LatencyMeasurement> MeasureLatencyAsync(string mode, int payloadBytes, int roundTrips, CancellationToken cancellationToken)
    {
        if (mode == "threads")
        {
            return await MeasureThreadLatencyAsync(payloadBytes, roundTrips).ConfigureAwait(false);
        }
        double[] samples = new double[roundTrips];
        using var region = mode == "shm" ? SharedRegion.Create(_shmDirectory, payloadBytes) : null;
        var worker = _supervisor.Workers[0];
        if (region is not null)
        {
            await AttachJob.AttachAsync(_supervisor, worker, region, _shmDirectory, cancellationToken).ConfigureAwait(false);
        }
        var job = new LatencyJob(region is null ? new byte[payloadBytes] : null, payloadBytes);
        for (int i = -roundTrips / 10; i < roundTrips; i++)
        {
            long started = Stopwatch.GetTimestamp();
            var answered = job.Reset();
            await _supervisor.SendToAsync(worker, job).ConfigureAwait(false);
            await answered.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (i >= 0)
            {
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
        }
        return Percentiles(mode, payloadBytes, samples);
    }

    /// <summary>Round trips of a small payload handed to another thread and back.</summary>
    public static async Task<LatencyMeasurement> MeasureThreadLatencyAsync(int payloadBytes, int roundTrips)
    {
        byte[] small = new byte[payloadBytes];
        double[] samples = new double[roundTrips];
        for (int i = -roundTrips / 10; i < roundTrips; i++)
        {
            long started = Stopwatch.GetTimestamp();
            await Task.Run(() => small);
            if (i >= 0)
            {
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
        }
        return Percentiles("threads", payloadBytes, samples);
    }

    /// <summary>p50 and p99 of <paramref name="samples"/> (microseconds), which it sorts.</summary>
    public static LatencyMeasurement Percentiles(string mode, int payloadBytes, double[] samples)
    {
        Array.Sort(samples);
        int count = samples.Length;
        return new LatencyMeasurement(mode, payloadBytes, count, Statistics.PercentileOfSorted(samples, 0.5), Statistics.PercentileOfSorted(samples, 0.99));
    }

    private static int WriteInto(SharedRegion region, EchoPayload payload)
    {
        ReadOnlySpan<byte> data = payload.Bytes ?? MemoryMarshal.AsBytes(payload.Items.AsSpan());
        data.CopyTo(region.GetSpan(0, data.Length));
        return data.Length;
    }

    /// <summary>
    /// Unmeasured round trips before the measured ones, in every mode: the first touches fresh pages (the reply
    /// buffers, the pools' segments) and runs code not yet at its final tier.
    /// </summary>
    public const int WarmUpRounds = 1;

    /// <summary>Bytes per frame for a bytes payload in pipe mode.</summary>
    public const int ChunkBytes = 1 << 20;

    /// <summary>Complex numbers per frame in pipe mode (about 1.2 MB as MessagePack).</summary>
    public const int ChunkItems = 1 << 16;

    private static IEnumerable<(int Start, int Count)> Pieces((long Start, long Count) share, int unit)
    {
        for (long offset = 0; offset < share.Count; offset += unit)
        {
            yield return ((int)(share.Start + offset), (int)Math.Min(unit, share.Count - offset));
        }
    }

    /// <summary>Worker <paramref name="index"/>'s share of <paramref name="total"/> units: contiguous, sizes differing by at most one.</summary>
    private static (long Start, long Count) Share(long total, int index, int workers)
    {
        long start = total * index / workers;
        return (start, (total * (index + 1) / workers) - start);
    }

    private static double Median(double[] values) => Statistics.Median(values);

    public ValueTask DisposeAsync() => _supervisor.DisposeAsync();
}
