namespace ProcessFarm.Coordinator.Serve;

/// <summary>The image being previewed.</summary>
internal sealed record ImageSummary(string Name, int Width, int Height, int Channels);
