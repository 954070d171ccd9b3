namespace ProcessFarm.Coordinator.Processing;

/// <summary>What a batch did.</summary>
internal sealed record BatchReport(string Mode, int Workers, BatchStrategy Strategy, string OutputDirectory, IReadOnlyList<BatchFileResult> Files, double WallMs, double WorkerStartMs)
{
    /// <summary>What the workers went through (null for in-process modes).</summary>
    public Workers.SupervisorStats? Faults { get; init; }

    /// <summary>Cluster mode: what each node did (empty otherwise).</summary>
    public IReadOnlyList<Cluster.NodeReport> Nodes { get; init; } = [];

    public int Succeeded => Files.Count(f => f.Ok);

    public int Failed => Files.Count - Succeeded;

    public double Megapixels => Files.Where(f => f.Ok).Sum(f => (double)f.Width * f.Height) / 1e6;
}
