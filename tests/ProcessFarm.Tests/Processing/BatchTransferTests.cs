using ProcessFarm.Coordinator.Processing;
using Xunit;

namespace ProcessFarm.Tests.Processing;

public sealed class BatchTransferTests
{
    [Theory]
    [InlineData(24, 0, 0, 0, "paths via --path-map")]
    [InlineData(0, 24, 61_957_272, 55_955_137, "file bytes: 62.0 MB in, 56.0 MB out")]
    [InlineData(0, 0, 0, 0, "no file sent")]
    [InlineData(13, 1, 1_500_000, 49_999, "paths via --path-map for 13 files; file bytes: 1.5 MB in, 0.0 MB out for 1 outside it")]
    public void Describe_SaysWhatTravelled(int byPath, int byBytes, long bytesIn, long bytesOut, string expected) =>
        Assert.Equal(expected, new BatchTransfer(byPath, byBytes, bytesIn, bytesOut).Describe());
}
