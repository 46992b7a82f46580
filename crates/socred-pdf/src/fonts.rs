//! The fonts a PDF notice is set in: a Latin face (regular and bold) and a
//! face with the Han characters, each embedded as a subset of the glyphs the
//! page uses. A character goes to the first face that has it, so English
//! text, Chinese text and mixed lines (a case number in a Chinese sentence)
//! all draw from real glyphs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::PdfError;

/// Fonts larger than this are refused: a notice embeds subsets, but the
/// whole face is read into memory first.
pub const FONT_BYTES_MAX: u64 = 64 * 1024 * 1024;

/// Where Debian's font packages put faces with Latin letters: regular and bold.
pub const LATIN_FONTS: &[(&str, &str)] = &[
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
];

/// Faces with the Han characters (`fonts-droid-fallback`, `fonts-noto-cjk`,
/// `fonts-wqy-microhei`), with the index of the simplified-Chinese face in a
/// collection.
pub const HAN_FONTS: &[(&str, u32)] = &[
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
];

/// One face: its bytes, its index in a collection, krilla's handle, and
/// which characters of the Basic Multilingual Plane it has (one bit each:
/// 8 KiB, read once, so laying out a page asks the font's tables only for
/// advances).
#[derive(Clone)]
pub struct Face {
    data: Arc<Vec<u8>>,
    index: u32,
    pub(crate) font: krilla::text::Font,
    pub path: PathBuf,
    coverage: Arc<Vec<u64>>,
}

const BMP_WORDS: usize = 0x1_0000 / 64;

impl Face {
    pub fn load(path: &Path, index: u32) -> Result<Face, PdfError> {
        let unusable = |reason: String| PdfError::Font { path: path.to_path_buf(), reason };
        let size = std::fs::metadata(path).map_err(|error| unusable(error.to_string()))?.len();
        if size > FONT_BYTES_MAX {
            return Err(unusable(format!("{size} bytes, more than the {FONT_BYTES_MAX} allowed")));
        }
        let data = Arc::new(std::fs::read(path).map_err(|error| unusable(error.to_string()))?);
        let reference = FontRef::from_index(&data, index).map_err(|error| unusable(format!("not a font this reads: {error}")))?;
        let mut coverage = vec![0u64; BMP_WORDS];
        for (codepoint, glyph) in reference.charmap().mappings() {
            if codepoint < 0x1_0000 && glyph.to_u32() != 0 {
                coverage[codepoint as usize / 64] |= 1 << (codepoint % 64);
            }
        }
        let font = krilla::text::Font::new(krilla::Data::from(data.clone()), index)
            .ok_or_else(|| unusable("not a font krilla embeds".to_string()))?;
        Ok(Face { data, index, font, path: path.to_path_buf(), coverage: Arc::new(coverage) })
    }

    fn reference(&self) -> FontRef<'_> {
        FontRef::from_index(&self.data, self.index).expect("checked when the face was loaded")
    }

    pub fn has(&self, character: char) -> bool {
        let codepoint = character as u32;
        if codepoint < 0x1_0000 {
            return self.coverage[codepoint as usize / 64] & (1 << (codepoint % 64)) != 0;
        }
        self.reference().charmap().map(character).is_some_and(|glyph| glyph.to_u32() != 0)
    }

    /// The advance of `text` at `size` points, without kerning. A character
    /// the face lacks is drawn as its missing-glyph box, and measured so.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let font = self.reference();
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        let missing = metrics.advance_width(skrifa::GlyphId::NOTDEF).unwrap_or(size * 0.5);
        text.chars().map(|character| charmap.map(character).and_then(|glyph| metrics.advance_width(glyph)).unwrap_or(missing)).sum()
    }
}

/// The three faces a notice is set in.
#[derive(Clone)]
pub struct Fonts {
    pub regular: Face,
    pub bold: Face,
    pub han: Face,
}

/// Bold or regular: Han text has one weight, set larger for headings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

impl Fonts {
    /// The faces named by `SOCRED_FONT_LATIN`, `SOCRED_FONT_LATIN_BOLD` and
    /// `SOCRED_FONT_HAN` (a file, or `file#index` in a collection), or else
    /// the first installed of [`LATIN_FONTS`] and [`HAN_FONTS`].
    pub fn discover(environment: impl Fn(&str) -> Option<String>) -> Result<Fonts, PdfError> {
        let named = |variable: &str| environment(variable).filter(|value| !value.trim().is_empty()).map(|value| split_index(&value));
        let (regular, bold) = match (named("SOCRED_FONT_LATIN"), named("SOCRED_FONT_LATIN_BOLD")) {
            (Some((regular, regular_index)), bold) => {
                let regular = Face::load(&regular, regular_index)?;
                let bold = match bold {
                    Some((bold, bold_index)) => Face::load(&bold, bold_index)?,
                    None => regular.clone(),
                };
                (regular, bold)
            }
            (None, _) => {
                let (regular, bold) = LATIN_FONTS
                    .iter()
                    .find(|(regular, bold)| Path::new(regular).is_file() && Path::new(bold).is_file())
                    .ok_or_else(|| missing(false, LATIN_FONTS.iter().map(|(regular, _)| *regular)))?;
                (Face::load(Path::new(regular), 0)?, Face::load(Path::new(bold), 0)?)
            }
        };
        let han = match named("SOCRED_FONT_HAN") {
            Some((path, index)) => Face::load(&path, index)?,
            None => {
                let (path, index) = HAN_FONTS
                    .iter()
                    .find(|(path, _)| Path::new(path).is_file())
                    .ok_or_else(|| missing(true, HAN_FONTS.iter().map(|(path, _)| *path)))?;
                Face::load(Path::new(path), *index)?
            }
        };
        if !han.has('中') {
            return Err(PdfError::Font { path: han.path.clone(), reason: "has no Han characters (no glyph for 中)".to_string() });
        }
        if !regular.has('A') {
            return Err(PdfError::Font { path: regular.path.clone(), reason: "has no Latin letters (no glyph for A)".to_string() });
        }
        Ok(Fonts { regular, bold, han })
    }

    /// The face that draws `character` at `weight`: the Latin face when it
    /// has the glyph, the Han face otherwise.
    pub fn face(&self, character: char, weight: Weight) -> &Face {
        let latin = match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        };
        if latin.has(character) { latin } else { &self.han }
    }

    /// `text` cut into runs that one face draws, in order.
    pub fn runs<'t>(&self, text: &'t str, weight: Weight) -> Vec<(&Face, &'t str)> {
        let mut runs: Vec<(&Face, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current: Option<&Face> = None;
        for (at, character) in text.char_indices() {
            // A space belongs to the run it is in: it never switches faces.
            let face = if character == ' ' { current.unwrap_or(self.face(' ', weight)) } else { self.face(character, weight) };
            if let Some(previous) = current
                && !std::ptr::eq(previous, face)
            {
                runs.push((previous, &text[start..at]));
                start = at;
            }
            current = Some(face);
        }
        if let Some(face) = current {
            runs.push((face, &text[start..]));
        }
        runs
    }

    pub fn width(&self, text: &str, size: f32, weight: Weight) -> f32 {
        self.runs(text, weight).iter().map(|(face, run)| face.width(run, size)).sum()
    }
}

/// A font named as `file` or `file#index` (a face of a collection).
pub fn split_index(value: &str) -> (PathBuf, u32) {
    match value.rsplit_once('#') {
        Some((path, index)) if index.parse::<u32>().is_ok() => (PathBuf::from(path), index.parse().unwrap_or(0)),
        _ => (PathBuf::from(value), 0),
    }
}

fn missing<'a>(han: bool, searched: impl Iterator<Item = &'a str>) -> PdfError {
    PdfError::NoFont { han, searched: searched.collect::<Vec<_>>().join(", ") }
}
