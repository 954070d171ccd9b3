namespace ProcessFarm.Coordinator.Processing;

internal sealed record TuneResult(IReadOnlyList<TuneRow> Rows, IReadOnlyDictionary<string, (int Workers, string Why)> Recommended, IReadOnlyList<TuneStartup> Startups);
