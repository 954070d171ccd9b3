namespace ProcessFarm.Coordinator.Execution;

/// <summary>What one run measured, beyond its wall time. Times are summed over workers, in milliseconds.</summary>
/// <param name="Tiles">Tiles processed.</param>
/// <param name="KernelMs">Time inside the LUT kernel (worker-reported in process modes).</param>
/// <param name="SerializeMs">Coordinator time writing tiles into frames (pipe).</param>
/// <param name="DeserializeMs">Coordinator time copying results back into the image (pipe).</param>
/// <param name="WorkerTotalMs">Worker time from frame parsed to reply written (process modes).</param>
/// <param name="SetupMs">Per-run set-up outside the tiles: attaching the region (shm).</param>
/// <param name="TransferMs">Per job, the coordinator's round trip less the worker's own time: the two transfers and
/// the waiting in between (process modes).</param>
/// <param name="WorkersReplaced">Workers that died or hung and were replaced during the run.</param>
/// <param name="TilesRetried">Tiles sent again because their worker failed.</param>
internal sealed record EngineRunStats(int Tiles, double KernelMs, double SerializeMs = 0, double DeserializeMs = 0, double WorkerTotalMs = 0, double SetupMs = 0, double TransferMs = 0, int WorkersReplaced = 0, int TilesRetried = 0)
{
    /// <summary>No run yet: the start of a sum.</summary>
    public static EngineRunStats Zero { get; } = new(0, 0);

    /// <summary>Two runs' counts and times added (a streamed image is one run per strip).</summary>
    public EngineRunStats Add(EngineRunStats other) => new(
        Tiles + other.Tiles,
        KernelMs + other.KernelMs,
        SerializeMs + other.SerializeMs,
        DeserializeMs + other.DeserializeMs,
        WorkerTotalMs + other.WorkerTotalMs,
        SetupMs + other.SetupMs,
        TransferMs + other.TransferMs,
        WorkersReplaced + other.WorkersReplaced,
        TilesRetried + other.TilesRetried);
}
