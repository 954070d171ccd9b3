namespace ProcessFarm.Coordinator.Cluster;

/// <summary>One node as <c>serve</c>'s page lists it (<c>GET /api/cluster</c>): what it offers and what this coordinator did there.</summary>
/// <param name="Name">Host name and process id of the node.</param>
/// <param name="Address">The node silo's advertised address.</param>
/// <param name="Slots">Worker slots it offers.</param>
/// <param name="Gone">Membership declared it dead or it left; its figures are what it did before.</param>
/// <param name="Workers">This coordinator's workers connected from it now.</param>
/// <param name="JobsDone">Jobs (tiles, files, rpc calls) it answered for this coordinator.</param>
/// <param name="BytesMoved">Bytes its workers' connections carried both ways, plus rpc calls' pixels there and back.</param>
internal sealed record NodeSummary(string Name, string Address, int Slots, bool Gone, IReadOnlyList<WorkerSummary> Workers, long JobsDone, long BytesMoved);
