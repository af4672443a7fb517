#pragma once
// Definitions of pestle/formats/gap_xml.hpp: inline in header-only use; compiled once in
// src/runtime/compile_formats.cpp with PESTLE_COMPILED_RUNTIME (docs/architecture.md, "Compiled once").
#include "pestle/formats/gap_xml.hpp"

namespace pestle::io {

PESTLE_RUNTIME_INLINE GapModel read_gap_xml(const std::string& path) {
  using namespace gap_xml_detail;
  const Context cx(path, read_text(path));
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(cx.text().data(), cx.text().size());
  if (!parsed) throw ParseError(path, cx.line_of(parsed.offset), std::string("malformed XML: ") + parsed.description());
  const pugi::xml_node root = doc.document_element();
  const pugi::xml_node pot = root.select_node("//Potential").node();
  if (!pot) cx.fail(root, "no <Potential> element");
  const std::string label = gap_label_from_init_args(cx, pot);

  GapModel m;
  const pugi::xml_node params = find_gap_params(cx, root, label);
  m.label = params.attribute("label").value();
  m.gap_version = params.attribute("gap_version") ? cx.integer(params, "gap_version") : 0;
  if (m.gap_version > quip_current_gap_version)
    cx.fail(params, "gap_version=\"" + std::to_string(m.gap_version) + "\" is newer than the GAP pestle follows (" +
                        std::to_string(quip_current_gap_version) + ")");
  const pugi::xml_node data = params.child("GAP_data");
  if (!data) cx.fail(params, "no <GAP_data> element");
  if (data.attribute("do_core") && cx.logical(data, "do_core"))
    cx.fail(data, "do_core=\"T\" (a core potential added to the GAP) is not supported");
  read_e0(cx, data, m);

  const pugi::xml_node sparse = params.child("gpSparse");
  if (!sparse) cx.fail(params, "no <gpSparse> element");
  const std::int64_t n_coordinate = cx.integer(sparse, "n_coordinate");
  for (pugi::xml_node gp : sparse.children("gpCoordinates")) m.terms.push_back(read_term(cx, gp, m.gap_version));
  if (std::int64_t(m.terms.size()) != n_coordinate)
    cx.fail(sparse, "n_coordinate=\"" + std::to_string(n_coordinate) + "\" but there are " +
                        std::to_string(m.terms.size()) + " <gpCoordinates> elements");
  if (m.terms.empty()) cx.fail(sparse, "no <gpCoordinates> element");
  if (const pugi::xml_node cl = params.child("command_line")) m.command_line = cl.child_value();
  return m;
}

PESTLE_RUNTIME_INLINE void write_gap_xml(const GapModel& m, const std::string& path) {
  using namespace gap_xml_detail;
  const std::string label = m.label.empty() ? std::string("GAP_pestle") : m.label;
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child(label.c_str());
  pugi::xml_node pot = root.append_child("Potential");
  pot.append_attribute("label") = label.c_str();
  pot.append_attribute("init_args") = ("IP GAP label=" + label).c_str();
  pugi::xml_node params = root.append_child("GAP_params");
  params.append_attribute("label") = label.c_str();
  params.append_attribute("gap_version") = std::to_string(m.gap_version).c_str();
  pugi::xml_node data = params.append_child("GAP_data");
  data.append_attribute("do_core") = "F";
  for (int z = 1; z <= max_atomic_number; ++z) {
    pugi::xml_node e = data.append_child("e0");
    e.append_attribute("Z") = z;
    e.append_attribute("value") = fortran_real(m.e0[std::size_t(z)]).c_str();
  }
  pugi::xml_node sparse = params.append_child("gpSparse");
  sparse.append_attribute("label") = label.c_str();
  sparse.append_attribute("n_coordinate") = int(m.terms.size());
  sparse.append_attribute("fitted") = "T";
  for (std::size_t k = 0; k < m.terms.size(); ++k) {
    const GapTerm& t = m.terms[k];
    // QUIP finds each gpCoordinates by the gpSparse label followed by its 1-based index, whatever
    // label the term carried; any other label makes quip read an empty descriptor and stop.
    const std::string term_label = label + std::to_string(k + 1);
    const std::string file_name = std::filesystem::path(path).filename().string() + ".sparseX." + term_label;
    std::string values;
    for (Eigen::Index s = 0; s < t.sparse.points.rows(); ++s)
      for (Eigen::Index c = 0; c < t.sparse.points.cols(); ++c) {
        append_real(values, t.sparse.points(s, c));
        values += '\n';
      }
    const std::string sparse_path = beside(path, file_name);
    {
      std::ofstream out(sparse_path, std::ios::binary);
      if (!out) throw InputError(sparse_path + ": cannot write sparseX file");
      out << values;
      if (!out) throw InputError(sparse_path + ": write error");
    }
    pugi::xml_node gp = sparse.append_child("gpCoordinates");
    gp.append_attribute("label") = term_label.c_str();
    gp.append_attribute("dimensions") = int(t.dimensions());
    gp.append_attribute("signal_variance") = fortran_real(t.sparse.delta).c_str();
    gp.append_attribute("signal_mean") = fortran_real(t.sparse.f0).c_str();
    gp.append_attribute("sparsified") = "T";
    const std::size_t n_perm = t.covariance == GapCovariance::ard_se ? std::max<std::size_t>(1, t.permutations.size()) : 1;
    gp.append_attribute("n_permutations") = int(n_perm);
    gp.append_attribute("covariance_type") = int(t.covariance);
    if (t.covariance == GapCovariance::dot_product) gp.append_attribute("zeta") = fortran_real(t.zeta).c_str();
    gp.append_attribute("n_sparseX") = int(t.sparse.size());
    gp.append_attribute("sparseX_filename") = file_name.c_str();
    gp.append_attribute("sparseX_md5sum") = md5_hex(values).c_str();
    if (t.covariance == GapCovariance::ard_se) gp.append_child("theta").text() = join_reals(t.theta).c_str();
    gp.append_child("descriptor").text() = t.descriptor_string.c_str();
    for (std::size_t p = 0; p < n_perm; ++p) {
      pugi::xml_node pe = gp.append_child("permutation");
      pe.append_attribute("i") = int(p + 1);
      std::string s;
      if (t.covariance == GapCovariance::ard_se && p < t.permutations.size()) {
        for (int x : t.permutations[p]) s += std::to_string(x + 1) + " ";
      } else if (t.covariance == GapCovariance::ard_se) {
        for (std::size_t c = 0; c < t.dimensions(); ++c) s += std::to_string(c + 1) + " ";
      } else {
        s = "1 ";
      }
      pe.text() = s.c_str();
    }
    for (std::size_t s = 0; s < t.sparse.size(); ++s) {
      pugi::xml_node sx = gp.append_child("sparseX");
      sx.append_attribute("i") = int(s + 1);
      sx.append_attribute("alpha") = fortran_real(t.sparse.alpha[Eigen::Index(s)]).c_str();
      sx.append_attribute("sparseCutoff") = fortran_real(t.sparse.cutoff[Eigen::Index(s)]).c_str();
    }
  }
  if (!m.command_line.empty()) params.append_child("command_line").append_child(pugi::node_cdata).set_value(m.command_line.c_str());
  if (!doc.save_file(path.c_str(), "  ")) throw InputError(path + ": cannot write GAP XML file");
}

}  // namespace pestle::io
