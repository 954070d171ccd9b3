using Orleans;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// A cluster node as the coordinator sees it: one grain per node silo (<see cref="NodePlacementAttribute"/>, keyed by
/// the silo's address), which starts ordinary <c>processfarm-worker</c> processes there. Pixels never pass through
/// it: the workers connect back to the coordinator over TCP and speak docs/PROTOCOL.md. Its rpc methods exist only
/// to measure what the same bytes cost as grain calls.
/// </summary>
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>Starts one worker that connects to the request's endpoint; returns its process id.</summary>
    Task<int> StartWorkerAsync(WorkerStartRequest request);

    /// <summary>Kills one worker of a run (one that stopped answering; a dead connection stops the others itself).</summary>
    Task KillWorkerAsync(string runId, uint workerId);

    /// <summary>Kills every worker of a run still running on this node.</summary>
    Task StopRunAsync(string runId);

    /// <summary>What the node offers and runs.</summary>
    Task<NodeStatus> DescribeAsync();

    /// <summary>The rpc transport's echo: returns <paramref name="payload"/> (echo's rpc row).</summary>
    Task<byte[]> EchoAsync(byte[] payload);

    /// <summary>
    /// The rpc transport's tile (<see cref="RpcTileEngine"/>): applies the curve to <paramref name="tile"/>'s pixels in the
    /// node's process (alpha left alone, 16-bit samples through the 16-bit table) and returns them.
    /// </summary>
    /// <exception cref="ArgumentException">The pixels are not whole pixels of the tile's layout.</exception>
    Task<RpcTileResult> ApplyLutAsync(RpcTile tile);

    /// <summary>Opens a one-connection raw TCP echo listener on the node (the link's ceiling); returns its port.</summary>
    Task<int> OpenRawEchoAsync(long totalBytes);
}
