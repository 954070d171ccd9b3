namespace ProcessFarm.Coordinator.Cluster;

/// <summary>What one node did for this coordinator's run, for the reports (<c>node</c> lines, JSON <c>nodes</c>).</summary>
/// <param name="Name">Host name and process id of the node.</param>
/// <param name="Address">The node silo's advertised address.</param>
/// <param name="Slots">Worker slots it offers.</param>
/// <param name="Workers">Workers of this coordinator that ran there (replacements included).</param>
/// <param name="Jobs">Jobs its workers answered for this coordinator.</param>
/// <param name="BytesMoved">Frame bytes its workers' connections carried both ways.</param>
/// <param name="Gone">Membership declared it dead or gone during the run.</param>
/// <param name="Unreachable">A worker could not be started there during the run (its silo did not answer).</param>
internal sealed record NodeReport(string Name, string Address, int Slots, int Workers, long Jobs, long BytesMoved, bool Gone, bool Unreachable);
