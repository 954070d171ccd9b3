using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// The pixels of one image: either owned native memory (64-byte aligned, freed on dispose) or a view of memory
/// someone else owns, such as a slot of the shared region.
/// </summary>
/// <remarks>
/// Spans handed out are valid until the buffer is disposed, and for a wrapped buffer until its owner releases
/// the memory. A buffer is not thread-safe, but disjoint row ranges may be written from different threads.
/// </remarks>
public sealed unsafe class PixelBuffer : IDisposable
{
    private byte* _pointer;
    private readonly bool _ownsMemory;

    private PixelBuffer(byte* pointer, ImageGeometry geometry, bool ownsMemory)
    {
        _pointer = pointer;
        Geometry = geometry;
        _ownsMemory = ownsMemory;
    }

    /// <summary>Width, height and channels.</summary>
    public ImageGeometry Geometry { get; }

    /// <summary>Whether this buffer frees its memory on dispose.</summary>
    public bool OwnsMemory => _ownsMemory;

    /// <summary>The first byte; stable for the buffer's life.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return _pointer;
        }
    }

    /// <summary>All bytes of the image.</summary>
    public Span<byte> Span => new(Pointer, checked((int)Geometry.ByteLength));

    /// <summary>Allocates uninitialised, 64-byte aligned memory for an image.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The geometry is invalid.</exception>
    public static PixelBuffer Allocate(ImageGeometry geometry)
    {
        geometry.Validate();
        var pointer = (byte*)NativeMemory.AlignedAlloc((nuint)geometry.ByteLength, 64);
        return new PixelBuffer(pointer, geometry, ownsMemory: true);
    }

    /// <summary>Views memory owned elsewhere; does not transfer ownership.</summary>
    /// <param name="pointer">At least <see cref="ImageGeometry.ByteLength"/> bytes, valid while the view is used.</param>
    /// <param name="geometry">The image's shape.</param>
    public static PixelBuffer Wrap(byte* pointer, ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(pointer);
        geometry.Validate();
        return new PixelBuffer(pointer, geometry, ownsMemory: false);
    }

    /// <summary>Rows [<paramref name="firstRow"/>, firstRow + rowCount) as one span.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the image.</exception>
    public Span<byte> Rows(int firstRow, int rowCount)
    {
        if ((uint)firstRow > (uint)Geometry.Height || (uint)rowCount > (uint)(Geometry.Height - firstRow))
        {
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows {firstRow}+{rowCount} leave an image of {Geometry.Height} rows");
        }
        return new Span<byte>(Pointer + (long)firstRow * Geometry.RowBytes, rowCount * Geometry.RowBytes);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        var pointer = _pointer;
        _pointer = null;
        if (_ownsMemory && pointer != null)
        {
            NativeMemory.AlignedFree(pointer);
        }
    }
}
