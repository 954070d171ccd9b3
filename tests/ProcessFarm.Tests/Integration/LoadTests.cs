using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// A long run of small echo jobs across every worker, 32 outstanding per worker: none lost, none duplicated,
/// every reply matched to its id, and the coordinator's memory flat from the first tenth to the end.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class LoadTests
{
    private const int Jobs = 1_000_000;
    private const int InFlightPerWorker = 32;

    [Fact]
    public async Task MillionSmallJobs_NoneLostOrDuplicated_MemoryFlat()
    {
        await using var pool = await WorkerPool.StartAsync(2, new WorkerPoolOptions(), CoordinatorLog.Silent, TestHelpers.TimeoutToken()).DefaultTimeout();
        var handler = new CountingHandler(Jobs);
        var senders = pool.Workers.Select((worker, index) => SendAsync(worker, handler, first: index, step: pool.Workers.Count)).ToArray();

        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(Jobs, handler.Received);
        Assert.Equal(0, handler.Duplicates);
        Assert.Equal(0, handler.Mismatches);
        Assert.True(handler.HeapGrowthBytes < 32 << 20, $"the managed heap grew by {handler.HeapGrowthBytes / 1e6:0.0} MB between the first tenth and the end");
    }

    private static async Task SendAsync(WorkerConnection worker, CountingHandler handler, int first, int step)
    {
        using var window = new SemaphoreSlim(InFlightPerWorker);
        var timeout = TestHelpers.TimeoutToken(); // one per sender: a token per call would itself grow the heap
        handler.Windows[worker] = window;
        worker.SetHandler(handler);
        byte[] payload = new byte[8];
        for (long id = first; id < Jobs; id += step)
        {
            await window.WaitAsync(timeout);
            BinaryPrimitives.WriteInt64LittleEndian(payload, id);
            await worker.SendAsync((id, payload), static (frames, s) => frames.WriteJob((ulong)s.id, JobKind.Echo, default, s.payload), timeout);
        }
        for (int i = 0; i < InFlightPerWorker; i++)
        {
            await window.WaitAsync(timeout); // every reply is in
        }
    }

    private sealed class CountingHandler(int jobs) : IReplyHandler
    {
        private readonly BitArray _seen = new(jobs);
        private int _received;
        private long _heapAtTenth;

        public Dictionary<WorkerConnection, SemaphoreSlim> Windows { get; } = [];

        public int Received => _received;

        public int Duplicates { get; private set; }

        public int Mismatches { get; private set; }

        public long HeapGrowthBytes { get; private set; }

        public void OnResult(WorkerConnection worker, in JobResult result)
        {
            long echoed = result.Payload.Length == 8 ? BinaryPrimitives.ReadInt64LittleEndian(result.Payload.FirstSpan.Length >= 8 ? result.Payload.FirstSpan : result.Payload.ToArray()) : -1;
            lock (_seen)
            {
                if (echoed != (long)result.Id || result.Id >= (ulong)jobs)
                {
                    Mismatches++;
                }
                else if (_seen[(int)result.Id])
                {
                    Duplicates++;
                }
                else
                {
                    _seen[(int)result.Id] = true;
                }
                int received = ++_received;
                if (received == jobs / 10)
                {
                    _heapAtTenth = GC.GetTotalMemory(forceFullCollection: true);
                }
                else if (received == jobs)
                {
                    HeapGrowthBytes = GC.GetTotalMemory(forceFullCollection: true) - _heapAtTenth;
                }
            }
            Windows[worker].Release();
        }

        public void OnError(WorkerConnection worker, ErrorMessage error) => throw new InvalidOperationException(error.Message);

        public void OnDisconnected(WorkerConnection worker, Exception? error)
        {
            // The pool's shutdown ends the connections after the test; a mid-run loss shows as missing replies.
        }
    }
}
