namespace ProcessFarm.Coordinator.Processing;

/// <summary>One mode and worker count.</summary>
internal sealed record TuneRow(string Mode, int Workers, double MedianSeconds, double MinSeconds, double MaxSeconds, double SpreadSeconds)
{
    public double Speedup { get; init; }

    public double Efficiency { get; init; }
}
