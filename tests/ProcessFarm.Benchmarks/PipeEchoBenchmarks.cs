using System.Buffers;
using BenchmarkDotNet.Attributes;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Benchmarks;

/// <summary>
/// The pipe transport alone: one `echo` job of a large bin through one warm worker and back (serialize, send,
/// the worker re-encodes, send back, copy out). Effective throughput is 2 x payload / round trip; compare with
/// scripts/socketpair-bench.c, the kernel's own one-way ceiling.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class PipeEchoBenchmarks
{
    private readonly EchoHandler _handler = new();
    private WorkerPool _pool = null!;
    private byte[] _payload = null!;
    private ulong _nextId;

    [Params(1 << 20, 16 << 20, 256 << 20)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pool = WorkerPool.StartAsync(1, new WorkerPoolOptions { WorkerPath = BenchmarkPaths.Worker }, CoordinatorLog.Silent, CancellationToken.None).GetAwaiter().GetResult();
        _pool.Workers[0].SetHandler(_handler);
        _payload = new byte[PayloadBytes];
        _handler.Received = new byte[PayloadBytes];
        new Random(1).NextBytes(_payload);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public async Task EchoRoundTrip()
    {
        var done = _handler.Done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ulong id = ++_nextId;
        await _pool.Workers[0].SendAsync((id, _payload), static (frames, s) => frames.WriteJob(s.id, JobKind.Echo, default, s._payload), CancellationToken.None);
        await done.Task;
    }

    private sealed class EchoHandler : IReplyHandler
    {
        public byte[] Received { get; set; } = [];

        public TaskCompletionSource Done { get; set; } = new();

        public void OnResult(WorkerConnection worker, in JobResult result)
        {
            result.Payload.CopyTo(Received);
            Done.TrySetResult();
        }

        public void OnError(WorkerConnection worker, ErrorMessage error) => Done.TrySetException(new InvalidOperationException(error.Message));

        public void OnDisconnected(WorkerConnection worker, Exception? error) => Done.TrySetException(error ?? new EndOfStreamException());
    }
}
