using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// A long run of small echo jobs through the supervisor, 32 outstanding per worker: none lost, none duplicated,
/// every reply carrying its own job's payload, and the coordinator's memory flat from the first tenth to the end.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class LoadTests
{
    private const int Jobs = 1_000_000;
    private const int Wave = 20_000;

    [Fact]
    public async Task MillionSmallJobs_NoneLostOrDuplicated_MemoryFlat()
    {
        await using var supervisor = await WorkerSupervisor.StartAsync(2, new SupervisorOptions { InFlight = 32 }, NullLogger.Instance, TestHelpers.TimeoutToken()).DefaultTimeout();
        var counts = new Counts(Jobs);
        var timeout = TestHelpers.TimeoutToken(); // one for the run: a token per wave would itself grow the heap
        for (int first = 0; first < Jobs; first += Wave)
        {
            var set = new JobSet();
            for (int index = first; index < first + Wave; index++)
            {
                set.Add(new EchoIndexJob(set, index, counts));
            }
            supervisor.Submit(set);
            await set.WaitAsync(timeout);
            if (first + Wave == Jobs / 10)
            {
                counts.HeapAtTenth = GC.GetTotalMemory(forceFullCollection: true);
            }
        }
        long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - counts.HeapAtTenth;

        Assert.Equal(Jobs, counts.Received);
        Assert.Equal(0, counts.Duplicates);
        Assert.Equal(0, counts.Mismatches);
        Assert.Equal(Jobs, supervisor.Stats.RepliesMatched);
        Assert.Equal(0, supervisor.Stats.RepliesUnmatched);
        Assert.True(heapGrowth < 32 << 20, $"the managed heap grew by {heapGrowth / 1e6:0.0} MB between the first tenth and the end");
    }

    private sealed class Counts(int jobs)
    {
        private readonly BitArray _seen = new(jobs);

        public int Received { get; private set; }

        public int Duplicates { get; private set; }

        public int Mismatches { get; private set; }

        public long HeapAtTenth { get; set; }

        public void Record(int index, long echoed)
        {
            lock (_seen)
            {
                Received++;
                if (echoed != index)
                {
                    Mismatches++;
                }
                else if (_seen[index])
                {
                    Duplicates++;
                }
                else
                {
                    _seen[index] = true;
                }
            }
        }
    }

    /// <summary>Echoes its own index as 8 bytes.</summary>
    private sealed class EchoIndexJob(JobSet set, int index, Counts counts) : WorkerJob(set)
    {
        public override ReadOnlyMemory<byte> Write(FrameWriter frames, ulong id)
        {
            Span<byte> payload = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(payload, index);
            frames.WriteJob(id, EchoParameters.Instance, payload);
            return ReadOnlyMemory<byte>.Empty;
        }

        public override void OnResult(WorkerConnection worker, in JobResult result) =>
            counts.Record(index, result.Payload.Length == 8 ? BinaryPrimitives.ReadInt64LittleEndian(result.Payload.ToArray()) : -1);

        public override void OnError(WorkerConnection worker, ErrorMessage error) => Set!.Fail(new InvalidOperationException(error.Message));

        public override void OnFailed(Exception reason) => Set!.Fail(reason);
    }
}
