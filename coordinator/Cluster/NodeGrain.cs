using System.Diagnostics;
using Orleans;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>The node's side of <see cref="INodeGrain"/>: thin, the worker processes belong to <see cref="NodeWorkers"/>.</summary>
[NodePlacement]
internal sealed class NodeGrain(NodeWorkers workers) : Grain, INodeGrain
{
    public Task<int> StartWorkerAsync(WorkerStartRequest request) => workers.StartAsync(request);

    public Task KillWorkerAsync(string runId, uint workerId)
    {
        workers.Kill(runId, workerId);
        return Task.CompletedTask;
    }

    public Task StopRunAsync(string runId)
    {
        workers.StopRun(runId);
        return Task.CompletedTask;
    }

    public Task<NodeStatus> DescribeAsync() => Task.FromResult(workers.Describe());

    public Task<byte[]> EchoAsync(byte[] payload) => Task.FromResult(payload);

    public Task<RpcTileResult> ApplyLutAsync(RpcTile tile)
    {
        ArgumentNullException.ThrowIfNull(tile);
        var lut = workers.Lut(new LutParameters(tile.Ev, tile.Gamma));
        long started = Stopwatch.GetTimestamp();
        lut.ApplyInPlace(tile.Pixels, new PixelLayout(tile.Channels, tile.Bits)); // in place: the argument is this call's own copy
        return Task.FromResult(new RpcTileResult(tile.Pixels, (long)Stopwatch.GetElapsedTime(started).TotalNanoseconds));
    }

    public Task<int> OpenRawEchoAsync(long totalBytes) => Task.FromResult(RawEcho.Open(totalBytes, workers.Address));
}
