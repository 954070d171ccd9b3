using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Serve;

/// <summary>A rendered JPEG and where its time went.</summary>
/// <param name="Jpeg">The encoded image.</param>
/// <param name="Geometry">Its size.</param>
/// <param name="Mode">The mode that ran it.</param>
/// <param name="Workers">Threads or worker processes.</param>
/// <param name="ProcessMs">The mode's run over the whole image (the farm's part).</param>
/// <param name="Stats">The engine's breakdown (kernel, serialize, transfer).</param>
/// <param name="ResetMs">Restoring the source pixels for modes that work in place (not part of the farm's time).</param>
/// <param name="EncodeMs">Downscaling and encoding.</param>
/// <param name="StartupMs">Starting the mode's engine when this request switched modes (0 otherwise).</param>
/// <param name="ServerMs">Everything on the server for this request.</param>
internal sealed record RenderResult(byte[] Jpeg, ImageGeometry Geometry, ExecutionMode Mode, int Workers, double ProcessMs, EngineRunStats Stats, double ResetMs, double EncodeMs, double StartupMs, double ServerMs);
