using ProcessFarm.Coordinator.Processing;
using Xunit;

namespace ProcessFarm.Tests.Processing;

/// <summary>--path-map LOCAL=REMOTE: which local paths map, and to what.</summary>
public sealed class PathMapTests
{
    [Theory]
    [InlineData("/data=/mnt/data", "/data/in/a.png", "/mnt/data/in/a.png")]
    [InlineData("/data/=/mnt/data/", "/data/a.png", "/mnt/data/a.png")]
    [InlineData("/=/mnt/host", "/data/a.png", "/mnt/host/data/a.png")] // the whole file system is shared
    [InlineData("/data=/", "/data/a.png", "/a.png")] // the share is the node's root
    [InlineData("/data=/mnt/data", "/data2/a.png", null)] // a sibling whose name starts the same is not under it
    public void Map_GivesThePathUnderRemote_OrNullOutsideEveryShare(string pair, string local, string? expected)
    {
        Assert.True(PathMap.TryParse([pair], out var map, out string? wrong), wrong);

        Assert.Equal(expected, map.Map(local));
    }
}
