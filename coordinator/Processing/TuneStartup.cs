namespace ProcessFarm.Coordinator.Processing;

/// <summary>Worker start-up of one pool: all of it, and per worker from spawn to handshake.</summary>
internal sealed record TuneStartup(string Mode, int Workers, double PoolMs, double MeanWorkerReadyMs);
