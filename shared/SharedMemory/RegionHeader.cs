using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.SharedMemory;

/// <summary>
/// The first bytes of every shared region (docs/PROTOCOL.md, "Shared memory"). Little-endian, as both ends run
/// on the same machine. We rely on this structure being exactly 64 bytes; a unit test pins size and offsets.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
public struct RegionHeader
{
    /// <summary>Bytes of the header struct.</summary>
    public const int Size = 64;

    /// <summary>"PFSHMREG" read as a little-endian 64-bit integer.</summary>
    public const ulong ExpectedMagic = 0x4745_524D_4853_4650;

    /// <summary>The layout this build writes and accepts.</summary>
    public const uint CurrentLayoutVersion = 1;

    /// <summary>Where the data area starts: one page in, so tiles are page- and cache-line aligned.</summary>
    public const long DataOffsetBytes = 4096;

    /// <summary><see cref="ExpectedMagic"/>.</summary>
    [FieldOffset(0)]
    public ulong Magic;

    /// <summary><see cref="CurrentLayoutVersion"/>.</summary>
    [FieldOffset(8)]
    public uint LayoutVersion;

    /// <summary><see cref="Size"/>, so a reader can tell a larger future header.</summary>
    [FieldOffset(12)]
    public uint HeaderBytes;

    /// <summary>The whole region's size, header and padding included.</summary>
    [FieldOffset(16)]
    public long TotalBytes;

    /// <summary>Offset of the data area from the region's start (<see cref="DataOffsetBytes"/>).</summary>
    [FieldOffset(24)]
    public long DataOffset;

    /// <summary>Bytes of the data area.</summary>
    [FieldOffset(32)]
    public long DataBytes;

    /// <summary>The creating coordinator's process id, for diagnostics.</summary>
    [FieldOffset(40)]
    public int CreatorProcessId;
}
