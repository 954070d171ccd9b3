using System.Buffers;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
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
    private WorkerSupervisor _supervisor = null!;
    private FrameJob _job = null!;
    private byte[] _payload = null!;
    private byte[] _received = null!;

    [Params(1 << 20, 16 << 20, 256 << 20)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _supervisor = WorkerSupervisor.StartAsync(1, new SupervisorOptions { WorkerPath = BenchmarkPaths.Worker }, NullLogger.Instance, CancellationToken.None).GetAwaiter().GetResult();
        _payload = new byte[PayloadBytes];
        _received = new byte[PayloadBytes];
        new Random(1).NextBytes(_payload);
        _job = new FrameJob(
            (frames, id) =>
            {
                frames.WriteJob(id, EchoParameters.Instance, _payload);
                return ReadOnlyMemory<byte>.Empty;
            },
            result => result.Payload.CopyTo(_received));
    }

    [GlobalCleanup]
    public void Cleanup() => _supervisor.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public async Task EchoRoundTrip()
    {
        var answered = _job.Reset();
        await _supervisor.SendToAsync(_supervisor.Workers[0], _job);
        await answered;
    }
}
