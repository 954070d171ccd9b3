namespace ProcessFarm.Coordinator.Execution;

/// <summary>How a <see cref="TileRun"/> paces and supervises its workers.</summary>
/// <param name="InFlight">Tiles each worker may have outstanding.</param>
/// <param name="JobTimeout">A worker that holds a job longer than this is killed and replaced.</param>
/// <param name="MaxRestarts">Replacements allowed per run before it fails.</param>
internal sealed record TileRunOptions(int InFlight, TimeSpan JobTimeout, int MaxRestarts)
{
    public static TileRunOptions Default { get; } = new(2, TimeSpan.FromSeconds(30), 3);
}
