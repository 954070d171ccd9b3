using ProcessFarm.Coordinator.Workers;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>A worker a node is starting for a run: what its Hello must prove, and where its connection goes.</summary>
internal sealed class PendingWorker(uint workerId, byte[] secret)
{
    public uint WorkerId => workerId;

    public byte[] Secret => secret;

    /// <summary>The process id the node reported for it.</summary>
    public TaskCompletionSource<int> ProcessId { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Its connection, once its Hello proved the secret.</summary>
    public TaskCompletionSource<WorkerConnection> Connection { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
