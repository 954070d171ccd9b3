using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>A validated batch: every input paired with its output path.</summary>
internal sealed record BatchRequest(
    IReadOnlyList<(string Input, string Output)> Files,
    string OutputDirectory,
    LutParameters Parameters,
    int Quality,
    long MaxPixels,
    BatchStrategy Strategy,
    CodecChoice Codec = CodecChoice.Auto)
{
    /// <summary>Cluster mode: where the nodes see these files; empty, the files' bytes travel instead.</summary>
    public PathMap PathMap { get; init; } = PathMap.None;
}
