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
    CodecChoice Codec = CodecChoice.Auto);
