using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>
/// A finished tune: what ran on what, the rows, and the bare worker start to compare start-up with (null when no
/// worker mode ran).
/// </summary>
internal sealed record TuneReport(string Input, ImageGeometry Geometry, int Repeat, TuneResult Result, double? BareStartMs);
