using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Protocol;

/// <summary>The direct-syscall socket stream the worker's serve loop and the coordinator's receive thread read with.</summary>
public class DirectSocketStreamTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bytes_CrossBothWays_Whole(bool offloadBlockedWrites)
    {
        var (a, b) = FrameChannelTests.SocketPair();
        using var _1 = a;
        using var _2 = b;
        using var left = new DirectSocketStream(a.SafeHandle) { OffloadBlockedWrites = offloadBlockedWrites };
        using var right = new DirectSocketStream(b.SafeHandle);
        byte[] sent = new byte[3 << 20]; // larger than the socket buffer: the writer must wait for the reader
        new Random(3).NextBytes(sent);

        var writing = Task.Run(async () => await left.WriteAsync(sent));
        byte[] received = new byte[sent.Length];
        await right.ReadExactlyAsync(received);
        await writing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(sent, received);
    }

    [Fact]
    public async Task OffloadedWrite_ThatCannotFinish_ReturnsPending_WithoutBlockingTheCaller()
    {
        var (a, b) = FrameChannelTests.SocketPair();
        using var _1 = a;
        using var _2 = b;
        using var stream = new DirectSocketStream(a.SafeHandle) { OffloadBlockedWrites = true };

        var write = stream.WriteAsync(new byte[8 << 20]); // nobody reads: most of it must wait for room

        Assert.False(write.IsCompleted);
        stream.Shutdown(); // the owner's teardown fails the waiting write
        await Assert.ThrowsAsync<IOException>(async () => await write.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Read_WithNothingComing_TimesOut()
    {
        var (a, b) = FrameChannelTests.SocketPair();
        using var _1 = a;
        using var _2 = b;
        using var stream = new DirectSocketStream(a.SafeHandle) { ReadTimeout = 50 };

        Assert.Throws<TimeoutException>(() => stream.Read(new byte[16]));
    }

    [Fact]
    public async Task Shutdown_WakesASleepingReader_ToTheEndOfTheStream()
    {
        var (a, b) = FrameChannelTests.SocketPair();
        using var _1 = a;
        using var _2 = b;
        using var stream = new DirectSocketStream(a.SafeHandle);
        var reading = Task.Run(() => stream.Read(new byte[16]));
        await Task.Delay(50);
        Assert.False(reading.IsCompleted);

        stream.Shutdown();

        Assert.Equal(0, await reading.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void PeerClosed_ReadReturnsZero_AndWriteFails()
    {
        var (a, b) = FrameChannelTests.SocketPair();
        using var _1 = a;
        using var stream = new DirectSocketStream(a.SafeHandle);
        b.Dispose();

        Assert.Equal(0, stream.Read(new byte[16]));
        var e = Assert.Throws<IOException>(() => stream.Write(new byte[64]));
        Assert.Contains("cannot write to the socket", e.Message);
    }

    [Fact]
    public void Dispose_LeavesTheSocketOpen()
    {
        var (a, b) = FrameChannelTests.SocketPair();
        using var _1 = a;
        using var _2 = b;
        new DirectSocketStream(a.SafeHandle).Dispose();

        a.Send(new byte[] { 42 });
        byte[] one = new byte[1];
        Assert.Equal(1, b.Receive(one));
        Assert.Equal(42, one[0]);
    }
}
