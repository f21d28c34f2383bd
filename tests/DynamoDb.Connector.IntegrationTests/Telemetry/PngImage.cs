using System.Buffers.Binary;
using System.IO.Compression;

namespace DynamoDb.Connector.IntegrationTests.Telemetry;

/// <summary>A decoded PNG (8-bit RGB or RGBA, not interlaced: what Chromium's screenshots are), to count its pixels.</summary>
public sealed class PngImage
{
    private readonly byte[] _rgba;

    private PngImage(int width, int height, byte[] rgba)
    {
        Width = width;
        Height = height;
        _rgba = rgba;
    }

    public int Width { get; }

    public int Height { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get { int i = (y * Width + x) * 4; return (_rgba[i], _rgba[i + 1], _rgba[i + 2]); }
    }

    /// <summary>Pixels of exactly this colour in the rectangle (the whole image by default).</summary>
    public int Count((byte R, byte G, byte B) colour, int x0 = 0, int y0 = 0, int? x1 = null, int? y1 = null)
    {
        int count = 0;
        for (int y = y0; y < (y1 ?? Height); y++)
        {
            for (int x = x0; x < (x1 ?? Width); x++)
            {
                if (this[x, y] == colour) count++;
            }
        }
        return count;
    }

    /// <summary>The distinct colours in the image.</summary>
    public int DistinctColours()
    {
        var seen = new HashSet<int>();
        for (int i = 0; i < _rgba.Length; i += 4) seen.Add(_rgba[i] << 16 | _rgba[i + 1] << 8 | _rgba[i + 2]);
        return seen.Count;
    }

    public static PngImage Load(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 })) throw new InvalidDataException($"{path} is not a PNG.");
        int width = 0, height = 0, channels = 0;
        var compressed = new MemoryStream();
        for (int at = 8; at < file.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                byte depth = data[8], colourType = data[9], interlace = data[12];
                if (depth != 8 || interlace != 0 || colourType is not (2 or 6)) throw new InvalidDataException($"{path}: PNG depth {depth}, colour type {colourType}, interlace {interlace} is not read here.");
                channels = colourType == 6 ? 4 : 3;
            }
            else if (type == "IDAT") compressed.Write(data);
            else if (type == "IEND") break;
            at += 12 + length;
        }
        compressed.Position = 0;
        using var inflate = new ZLibStream(compressed, CompressionMode.Decompress);
        var raw = new MemoryStream();
        inflate.CopyTo(raw);
        return new PngImage(width, height, Unfilter(raw.ToArray(), width, height, channels));
    }

    private static byte[] Unfilter(byte[] raw, int width, int height, int channels)
    {
        int stride = width * channels;
        var rows = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            for (int x = 0; x < stride; x++)
            {
                int value = raw[y * (stride + 1) + 1 + x];
                int left = x >= channels ? rows[y * stride + x - channels] : 0;
                int up = y > 0 ? rows[(y - 1) * stride + x] : 0;
                int upLeft = x >= channels && y > 0 ? rows[(y - 1) * stride + x - channels] : 0;
                value += filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                };
                rows[y * stride + x] = (byte)value;
            }
        }
        var rgba = new byte[width * height * 4];
        for (int p = 0; p < width * height; p++)
        {
            rgba[p * 4] = rows[p * channels];
            rgba[p * 4 + 1] = rows[p * channels + 1];
            rgba[p * 4 + 2] = rows[p * channels + 2];
            rgba[p * 4 + 3] = channels == 4 ? rows[p * channels + 3] : (byte)255;
        }
        return rgba;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
