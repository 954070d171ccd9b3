using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>One <c>process</c> invocation, validated.</summary>
/// <param name="InputPath">The image, or null for the built-in sample.</param>
/// <param name="OutputPath">Where the result goes; its extension picks the format.</param>
/// <param name="Parameters">Exposure and gamma.</param>
/// <param name="TileRows">Rows per tile, or null for the mode's default.</param>
/// <param name="Quality">JPEG quality.</param>
/// <param name="MaxPixels">Decoder limit.</param>
/// <param name="SampleGeometry">Size of the built-in sample.</param>
/// <param name="Stream">Decode, process and encode strip by strip, overlapped (false: <c>--no-stream</c>, whole image at each step).</param>
/// <param name="StripRows">Rows per streamed strip, or null for about 4 MB.</param>
/// <param name="Codec">Which codec reads and writes JPEG and PNG.</param>
internal sealed record ProcessRequest(
    string? InputPath,
    string OutputPath,
    LutParameters Parameters,
    int? TileRows,
    int Quality,
    long MaxPixels,
    ImageGeometry SampleGeometry,
    bool Stream = true,
    int? StripRows = null,
    CodecChoice Codec = CodecChoice.Auto)
{
    public int ResolveTileRows(ImageGeometry geometry, IExecutionEngine engine) =>
        TileRows ?? TileLayout.DefaultTileRows(geometry, engine.Workers, engine.Mode == ExecutionMode.Threads ? 4 : 8);
}
