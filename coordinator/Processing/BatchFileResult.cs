namespace ProcessFarm.Coordinator.Processing;

/// <summary>One file of a batch.</summary>
internal sealed record BatchFileResult(string Input, string Output, bool Ok, string? Error, int Width, int Height, double Ms)
{
    public static BatchFileResult Succeeded(string input, string output, int width, int height, double ms) => new(input, output, true, null, width, height, ms);

    public static BatchFileResult Failed(string input, string output, string error, double ms) => new(input, output, false, error, 0, 0, ms);
}
