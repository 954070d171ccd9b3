using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.MessagePack;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Echo;

/// <summary>
/// The echo experiment: a payload goes to the workers and comes back untouched, so only the transport is
/// measured. threads hands a reference to another thread and back; pipe serializes each worker's share into a
/// frame (complex numbers item by item, as MessagePack arrays of two float64), the worker decodes and re-encodes
/// it, and the reply is decoded again; shm writes the payload into the shared region once and sends descriptors.
/// </summary>
internal sealed class EchoRunner : IAsyncDisposable, IReplyHandler
{
    private readonly WorkerPool _pool;
    private readonly string _shmDirectory;
    private readonly ConcurrentDictionary<ulong, (int Start, int Count)> _chunks = new();
    private TaskCompletionSource _done = new();
    private int _remaining;
    private ulong _nextId;
    private EchoPayload? _payload;
    private byte[]? _bytesBack;
    private Complex[]? _itemsBack;
    private long _serializeTicks;
    private long _deserializeTicks;
    private long _workerNs;

    private EchoRunner(WorkerPool pool, string shmDirectory)
    {
        _pool = pool;
        _shmDirectory = shmDirectory;
    }

    public int Workers => _pool.Workers.Count;

    public static async Task<EchoRunner> StartAsync(int workers, WorkerPoolOptions options, string shmDirectory, CoordinatorLog log, CancellationToken cancellationToken)
    {
        var pool = await WorkerPool.StartAsync(workers, options, log, cancellationToken);
        var runner = new EchoRunner(pool, shmDirectory);
        foreach (var worker in pool.Workers)
        {
            worker.SetHandler(runner);
        }
        return runner;
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

    public async Task<EchoMeasurement> MeasurePipeAsync(EchoPayload payload, int repeat, CancellationToken cancellationToken)
    {
        _payload = payload;
        _bytesBack = payload.Bytes is null ? null : new byte[payload.Bytes.Length];
        _itemsBack = payload.Items is null ? null : new Complex[payload.Items.Length];
        double[] samples = new double[repeat], serialize = new double[repeat], deserialize = new double[repeat], worker = new double[repeat];
        // Each worker's share goes in frames of about 1 MiB, so that serializing, the socket, the worker's
        // re-encoding and deserializing overlap instead of running one after another on 100 MB frames.
        int unit = payload.Bytes is not null ? ChunkBytes : ChunkItems;
        var pieces = _pool.Workers.Select((_, i) => Pieces(Share(payload.Bytes?.Length ?? payload.Items!.Length, i, Workers), unit).ToList()).ToList();
        for (int r = -WarmUpRounds; r < repeat; r++)
        {
            Reset(pieces.Sum(p => p.Count));
            long started = Stopwatch.GetTimestamp();
            // Each worker's pieces are serialized on their own thread: serialization is CPU work that parallelizes.
            await Task.WhenAll(_pool.Workers.Select((w, i) => Task.Run(async () =>
            {
                foreach (var (start, count) in pieces[i])
                {
                    await SendPieceAsync(w, start, count, cancellationToken);
                }
            }, cancellationToken)));
            await _done.Task.WaitAsync(cancellationToken);
            if (r < 0)
            {
                continue;
            }
            samples[r] = Stopwatch.GetElapsedTime(started).TotalSeconds;
            serialize[r] = Stopwatch.GetElapsedTime(0, _serializeTicks).TotalSeconds;
            deserialize[r] = Stopwatch.GetElapsedTime(0, _deserializeTicks).TotalSeconds;
            worker[r] = _workerNs / 1e9;
        }
        Verify(payload);
        return new EchoMeasurement("pipe", payload.Kind, payload.DataBytes, payload.ItemCount, samples)
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

        Reset();
        foreach (var worker in _pool.Workers)
        {
            await worker.OpenChannelAsync(_shmDirectory, cancellationToken);
            await worker.SendAsync(new AttachRequest(++_nextId, region.AttachPath, region.TotalBytes), static (f, a) => f.WriteAttach(a), cancellationToken);
        }
        await _done.Task.WaitAsync(cancellationToken);

        double[] samples = new double[repeat];
        for (int r = -WarmUpRounds; r < repeat; r++)
        {
            Reset();
            long started = Stopwatch.GetTimestamp();
            var workers = _pool.Workers;
            for (int i = 0; i < workers.Count; i++)
            {
                var (offset, length) = Share(dataLength, i, workers.Count);
                var parameters = new JobParameters { Offset = offset, Length = length };
                await workers[i].PostAsync((++_nextId, parameters), static (f, s) => f.WriteJob(s.Item1, JobKind.Echo, s.parameters), cancellationToken);
            }
            await _done.Task.WaitAsync(cancellationToken);
            if (r >= 0)
            {
                samples[r] = Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
        }
        return new EchoMeasurement("shm", payload.Kind, payload.DataBytes, payload.ItemCount, samples) { RegionWriteSeconds = writeSeconds };
    }

    /// <summary>Round trips of one small echo through worker 0 (pipe: a bin; shm: a descriptor) or another thread.</summary>
    public async Task<LatencyMeasurement> MeasureLatencyAsync(string mode, int payloadBytes, int roundTrips, CancellationToken cancellationToken)
    {
        if (mode == "threads")
        {
            return await MeasureThreadLatencyAsync(payloadBytes, roundTrips);
        }
        byte[] small = new byte[payloadBytes];
        double[] samples = new double[roundTrips];
        using var region = mode == "shm" ? SharedRegion.Create(_shmDirectory, payloadBytes) : null;
        var worker = _pool.Workers[0];
        if (region is not null)
        {
            await worker.OpenChannelAsync(_shmDirectory, cancellationToken);
            Reset(expected: 1);
            await worker.SendAsync(new AttachRequest(++_nextId, region.AttachPath, region.TotalBytes), static (f, a) => f.WriteAttach(a), cancellationToken);
            await _done.Task.WaitAsync(cancellationToken);
        }
        _payload = null;
        for (int i = -roundTrips / 10; i < roundTrips; i++)
        {
            long started = Stopwatch.GetTimestamp();
            Reset(expected: 1, inline: true);
            if (region is null)
            {
                await worker.SendAsync((++_nextId, small), static (f, s) => f.WriteJob(s.Item1, JobKind.Echo, default, s.small), cancellationToken);
            }
            else
            {
                await worker.PostAsync((++_nextId, payloadBytes), static (f, s) => f.WriteJob(s.Item1, JobKind.Echo, new JobParameters { Offset = 0, Length = s.payloadBytes }), cancellationToken);
            }
            await _done.Task.WaitAsync(cancellationToken);
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

    private static LatencyMeasurement Percentiles(string mode, int payloadBytes, double[] samples)
    {
        Array.Sort(samples);
        int count = samples.Length;
        return new LatencyMeasurement(mode, payloadBytes, count, samples[count / 2], samples[Math.Min(count - 1, (int)(count * 0.99))]);
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

    private Task SendPieceAsync(WorkerConnection worker, int start, int count, CancellationToken cancellationToken)
    {
        ulong id = Interlocked.Increment(ref _nextId);
        _chunks[id] = (start, count);
        // Bytes need no serializing: the frame's header is written, the payload goes from the array to the socket.
        var bytes = _payload!.Bytes is { } array ? array.AsMemory(start, count) : ReadOnlyMemory<byte>.Empty;
        return worker.SendAsync((this, id, start, count), static (frames, s) => s.Item1.WriteShare(frames, s.Item2, s.Item3, s.Item4), bytes, cancellationToken);
    }

    private void WriteShare(FrameWriter frames, ulong id, int start, int count)
    {
        long started = Stopwatch.GetTimestamp();
        if (_payload!.Bytes is not null)
        {
            frames.BeginJob(id, JobKind.Echo, default, PayloadEncoding.Binary, count);
        }
        else
        {
            // [[re, im], ...]: every item an array of two float 64, so the size is known before writing.
            int header = count <= 15 ? 1 : count <= ushort.MaxValue ? 3 : 5;
            frames.BeginJob(id, JobKind.Echo, default, PayloadEncoding.Value, header + (19 * count));
            var writer = new MessagePackWriter(frames.Output);
            writer.WriteArrayHeader((uint)count);
            // Each item its own array of two float 64, written in bulk (a Complex is two doubles in memory).
            writer.WriteFloat64Pairs(MemoryMarshal.Cast<Complex, double>(_payload.Items.AsSpan(start, count)));
            writer.Flush();
        }
        Interlocked.Add(ref _serializeTicks, Stopwatch.GetTimestamp() - started);
    }

    public void OnResult(WorkerConnection worker, in JobResult result)
    {
        if (_payload is not null && _chunks.TryRemove(result.Id, out var chunk))
        {
            long started = Stopwatch.GetTimestamp();
            if (_bytesBack is not null)
            {
                result.Payload.CopyTo(_bytesBack.AsSpan(chunk.Start, chunk.Count));
            }
            else if (_itemsBack is not null)
            {
                var reader = new MessagePackReader(result.Payload);
                int count = reader.ReadArrayHeader();
                var items = MemoryMarshal.Cast<Complex, double>(_itemsBack.AsSpan(chunk.Start, count));
                for (int i = 0; i < count;)
                {
                    // In bulk while the items are [float64, float64] within one segment; token by token otherwise.
                    int read = reader.ReadFloat64Pairs(items[(2 * i)..]);
                    if (read == 0)
                    {
                        reader.ReadArrayHeader();
                        _itemsBack[chunk.Start + i] = new Complex(reader.ReadDouble(), reader.ReadDouble());
                        read = 1;
                    }
                    i += read;
                }
            }
            Interlocked.Add(ref _deserializeTicks, Stopwatch.GetTimestamp() - started);
            Interlocked.Add(ref _workerNs, result.Timings.KernelNs);
        }
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }

    public void OnError(WorkerConnection worker, ErrorMessage error) =>
        _done.TrySetException(new WorkerFailedException($"worker {worker.WorkerId} failed echo job {error.JobId}: {error.Code}: {error.Message}"));

    public void OnDisconnected(WorkerConnection worker, Exception? error) =>
        _done.TrySetException(new WorkerFailedException($"worker {worker.WorkerId} disconnected{worker.ExitDescription}: {error?.Message ?? "end of stream"}"));

    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    private void Reset(int? expected = null, bool inline = false)
    {
        // inline: the waiting measurement continues on the thread that received the reply, saving a thread-pool
        // hand-off per round trip (only for the latency loop, whose continuation just sends 64 bytes).
        _done = new TaskCompletionSource(inline ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
        _remaining = expected ?? Workers;
        _serializeTicks = _deserializeTicks = _workerNs = 0;
        _chunks.Clear();
    }

    private void Verify(EchoPayload payload)
    {
        bool same = payload.Bytes is not null ? payload.Bytes.AsSpan().SequenceEqual(_bytesBack) : payload.Items.AsSpan().SequenceEqual(_itemsBack);
        if (!same)
        {
            throw new InvalidOperationException($"the {payload.Kind} payload came back changed");
        }
    }

    /// <summary>Worker <paramref name="index"/>'s share of <paramref name="total"/> units: contiguous, sizes differing by at most one.</summary>
    private static (long Start, long Count) Share(long total, int index, int workers)
    {
        long start = total * index / workers;
        return (start, (total * (index + 1) / workers) - start);
    }

    private static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);
}
