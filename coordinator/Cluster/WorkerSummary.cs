namespace ProcessFarm.Coordinator.Cluster;

/// <summary>A worker connected from a node, as <see cref="NodeSummary"/> lists it.</summary>
/// <param name="Id">Its worker id in its run.</param>
/// <param name="ProcessId">Its process id on its node (from its Hello).</param>
/// <param name="BytesMoved">Bytes its connection carried both ways so far.</param>
internal sealed record WorkerSummary(uint Id, int ProcessId, long BytesMoved);
